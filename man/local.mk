# man: filled in by its component
