"""The fine-tuning targets: whose format and limits a dataset must meet.

``models.yaml`` is the one data file (limits, training prices, tokenizer and format per
model, each with its source; see docs/providers.md); ``registry`` reads it and ``limits``
computes what follows from it (the size cap, epochs, billed tokens, cost). Pure data and
arithmetic: nothing here calls a model or reads the settings.
"""
