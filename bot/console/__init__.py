"""The tier-2 engineers' web console (`hotline console`): queue, tickets, reviews, KPIs."""
