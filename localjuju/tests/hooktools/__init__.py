"""The hook tools' tests, one module per family of localjuju/hooktools."""
