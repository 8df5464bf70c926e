"""zaza functional tests of the Mistral charm (run from src/)."""
