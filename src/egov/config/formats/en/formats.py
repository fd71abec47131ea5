"""English pages keep the Vietnamese day-first dates; numbers use ',' for thousands."""

#: Long dates (legal bases, "issued 20 November 2014") in the English way; short dates in tables
#: and inputs stay day-first as on the Vietnamese pages.
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "H:i d/m/Y"
SHORT_DATETIME_FORMAT = "H:i d/m/Y"
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
