"""intake reads no topics: signals arrive over HTTP."""

from vroeg.shared.service import no_subscriptions

subscriptions = no_subscriptions
