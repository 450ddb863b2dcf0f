"""Custom Rasa NLU components: the hotline's tokenizer and its device-catalogue entity extractor."""
