"""What the three web sites share: security, limits, errors, forms and the site's database."""
