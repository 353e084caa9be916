"""kkui's headless core. Nothing below this package may import Textual (a test checks it)."""
