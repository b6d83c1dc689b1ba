"""The corpus folder and its manifest, and the user's changes to it: add, remove, correct metadata."""
