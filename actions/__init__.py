"""Rasa action server: thin actions and form validators that call bot.*."""
