"""Structure read out of documents: obligation types, requirements per industry with the penalties linked to them,
quantitative targets, the industry vocabulary, tables."""
