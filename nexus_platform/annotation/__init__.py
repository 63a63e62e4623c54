"""Knowledge-base records annotated by the promoted models and the zero-shot ESG topics."""
