# etc: filled in by its component
