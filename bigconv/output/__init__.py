"""Files before and after the day: QR codes, posters, badges, the report, CPD certificates,
school pages and the mail merge (rendering only: the queries live in bigconv/data)."""
