"""intake: the creditors' signal API; validates signals and emits SignalReceived."""
