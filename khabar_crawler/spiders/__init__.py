"""Spiders of the project; ``khabarayn`` is the one for the site."""
