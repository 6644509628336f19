"""Fix-lead selection: a fair, persistent rotation with offers, passes and handoffs."""
