# bounce-parser: filled in by its component
