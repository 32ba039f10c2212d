"""Rules as pure functions over `gatehouse_guard.model.Resource`, grouped by concern."""
