"""The Mistral harness of the local deployment (see README.md)."""
