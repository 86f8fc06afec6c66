"""Settings are split: base (shared), production (strict, from the environment), test."""
