"""The managers' reports: aggregate figures of the store, never a person's data.

`volumes.figures` counts the contacts that reached Loket in a range of Amsterdam days,
`capacity` is Erlang C, `plan.plan` turns observed arrivals into counsellors needed per
hour of the week (separate and pooled), `suppression.suppressed` writes 1 to 4 as "<5".
Pure domain code: sessions in, plain data out; nothing here imports Flask.
"""
