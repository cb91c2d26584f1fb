"""The personal-link site: day pages and follow-up forms behind each person's own link."""
