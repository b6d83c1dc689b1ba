"""Structure read out of documents: requirements per industry, quantitative targets, tables."""
