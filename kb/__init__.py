"""policy-kb: a clause-true knowledge base for Chinese government policy documents."""

__version__ = "0.1.0"
