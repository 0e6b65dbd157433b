"""The category mapping file: read in order, and every mistake named by file, line and key."""

from __future__ import annotations

import pytest

from bookbridge.domain.categories import CategoryRule
from bookbridge.entrypoints.category_file import CategoryFileError, parse_category_mapping
from bookbridge.entrypoints.settings import ConfigurationError, load_settings

GOOD = """\
[thema]
"FBA" = "Fiction > Modern & contemporary"
"FF*" = ["Fiction", "Crime & mystery"]
"1*" = ""

[BISAC]
"FIC*" = "Fiction"

[24]
"*" = "Local > {heading}"
"""


def test_tables_become_schemes_and_rules_keep_the_order_written():
    mapping = parse_category_mapping(GOOD)
    assert [key for key, _ in mapping.schemes] == ["thema", "bisac", "24"]
    assert mapping.rules("thema") == (CategoryRule(pattern="FBA", path=("Fiction", "Modern & contemporary")),
                                      CategoryRule(pattern="FF*", path=("Fiction", "Crime & mystery")),
                                      CategoryRule(pattern="1*", path=()))


@pytest.mark.parametrize(("text", "message"), [
    ('[thema]\n"FB" = "A"\n"F*B" = "X"\n', "line 3, thema.'F*B': '*' may only end a code"),
    ('[thema]\n"FB" = 3\n', "line 2, thema.'FB': a category path is a string"),
    ('[thema]\n"FB" = "A > ' + "x" * 51 + '"\n', "line 2, thema.'FB': category name"),
    ('[thema]\n"FB" = "' + " > ".join("abcdefghi") + '"\n', "9 levels"),
    ('[thema]\n"FB" = "A >  > B"\n', "a category name is empty"),
    ('\n[bogus]\n"FB" = "A"\n', "line 2, [bogus]: not a subject scheme"),
    ('[20]\n"x" = "A"\n', "keywords (List 27: 20) go to search_keywords"),
    ('[thema]\n"FB" = "A"\n[thema.x]\n', "line 3, thema.'x': a category path is a string"),
    ('[thema\n', "at line 1"),
])
def test_mistakes_name_the_line_and_the_key(text, message):
    with pytest.raises(CategoryFileError, match=r"^categories\.toml") as raised:
        parse_category_mapping(text, source="categories.toml")
    assert message in str(raised.value)


def test_the_configuration_reads_the_file_it_names_and_reports_its_errors(tmp_path):
    good = tmp_path / "categories.toml"
    good.write_text(GOOD, encoding="utf-8")
    settings = load_settings(None, mapping={"categories": str(good), "link_series": True})
    assert settings.mapping.categories.rules("bisac") and settings.mapping.link_series
    with pytest.raises(ConfigurationError, match=r"mapping: .*absent.toml: cannot be read"):
        load_settings(None, mapping={"categories": str(tmp_path / "absent.toml")})
