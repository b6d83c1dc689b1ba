"""The API's routes, one module per concern: questions, documents, analysis."""
