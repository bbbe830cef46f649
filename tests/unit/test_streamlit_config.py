"""The web server's settings that keep users safe: no tracebacks, no CSV export beside the
formula-safe 导出Excel."""
import tomllib

from streamlit.config import ShowErrorDetailsConfigOptions

from services.config import ROOT

CONFIG = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_users_are_shown_no_error_details():
    value = CONFIG["client"]["showErrorDetails"]

    assert value == ShowErrorDetailsConfigOptions.NONE.value == "none"


def test_tables_offer_no_csv_download():
    assert CONFIG["client"]["disableDataExport"] is True
