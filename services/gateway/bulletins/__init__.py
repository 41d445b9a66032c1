"""The bureau's 通报 (issue 17): the construction progress of a month, a quarter or a year as an official
document (GB/T 9704) in Word, filled from a replaceable template, and as PDF through LibreOffice.

- ``periods``: "2018-03", "2018-Q1", "2018" -> the days they cover;
- ``settings``: every setting of the 通报 (template, issuer, the praise and criticism thresholds, PDF);
- ``rules``: which offices are praised (表扬) and which criticised (通报批评), and the rule as text;
- ``figures``: the period's figures, read over the same RPCs as the dashboard and the Excel report;
- ``content``: the template's context (text, tables, lists) from the figures;
- ``charts``: the charts as PNG (matplotlib, a Debian CJK font found by path);
- ``document``: the .docx from the template (docxtpl); ``make_template``: the default template;
- the .docx to PDF: services/gateway/pdf.py (LibreOffice headless, bounded time and concurrency), shared with
  the inspection documents.
"""
