"""Documents in: load a file or URL, undo PDF damage, parse the clause tree, detect metadata."""
