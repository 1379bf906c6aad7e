"""Extraction without an LLM: conversations already present in documents (identify mode).

Structure first (blocks, headings, list items, table columns, speaker labels), then patterns;
no module here calls a model. The LLM fallback lives in ``agents.identify_llm``.
"""
