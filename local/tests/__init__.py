"""The harness's func-local tests: CLI, providers, Mistral stories."""
