"""Fine-Tuning Dataset Builder: provider-ready fine-tuning datasets from your documents."""

__version__ = "0.1.0"
