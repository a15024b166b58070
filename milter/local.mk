# milter: filled in by its component
