"""Review campaigns (issue #3 §7, R-1.5): attribute reviews and clean-ups (立改废)."""
