"""区县改革报表驾驶舱 (SPEC §6): indicators, the board, 督办提醒 and the 简报.

`indicators.INDICATORS` is the one list of what the cockpit counts; `board` assembles a
period's figures; `reminders` carries 督办提醒; `brief` writes the Word 简报.
"""
