"""Report rendering: one HTML renderer for every page, plus atomic CSV writing."""

from riskkit.report.html import Page, Section, figure_to_base64, render_page, write_csv

__all__ = ["Page", "Section", "figure_to_base64", "render_page", "write_csv"]
