"""Pure Arabic text: normalisation (display and search forms), dates (machine and visible), SimHash."""
