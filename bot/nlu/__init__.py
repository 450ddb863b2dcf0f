"""Custom Rasa NLU components (tokenizer, intent classifier, catalogue entities) and how NLU quality is
scored."""
