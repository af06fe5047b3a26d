"""Summaries of exported alerts and flags in the language asked for (issue 23): `?lang=` on the
API, `--lang` on the CLI export verb; English by default."""

from __future__ import annotations

import json

from tests.services.test_cli import run_cli
from tests.web.test_api import app, bearer, client, settings, token  # noqa: F401  (fixtures)
from tests.web.test_api_judge import judged  # noqa: F401  (fixture)


def _rows(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return [json.loads(line) for line in response.get_data(as_text=True).splitlines()]


def test_api_summaries_in_english_by_default_and_chinese_on_request(client, token, judged):  # noqa: F811
    (en,) = _rows(client.get("/api/v1/alerts?from=2026-11-26", headers=bearer(token)))
    (zh,) = _rows(client.get("/api/v1/alerts?from=2026-11-26&lang=zh", headers=bearer(token)))
    assert en["id"] == zh["id"] == "OFF_HOURS:v-2"
    assert en["summary"].startswith("check-in at ") and "07:00 local" in en["summary"]
    assert "签到时间为当地 07:00" in zh["summary"]
    (flag,) = _rows(client.get("/api/v1/expense-flags?lang=zh", headers=bearer(token)))
    assert flag["summary"].startswith("2026-11-24 的") and "¥45.00" in flag["summary"]
    assert flag["summary"].endswith("当天没有任何签到")


def test_api_refuses_an_unknown_language_naming_the_parameter(client, token, judged):  # noqa: F811
    response = client.get("/api/v1/alerts?lang=fr", headers=bearer(token))
    assert response.status_code == 400
    assert "lang: 'fr' is not 'en' or 'zh'" in response.get_json()["error"]


def test_cli_export_lang(db_url, judged):  # noqa: F811
    zh = run_cli(db_url, "export", "alerts", "--from", "2026-11-26", "--lang", "zh")
    assert zh.returncode == 0, zh.stderr
    (row,) = [json.loads(line) for line in zh.stdout.splitlines()]
    assert "签到时间为当地 07:00" in row["summary"]
    en = run_cli(db_url, "export", "alerts", "--from", "2026-11-26")
    assert "07:00 local" in json.loads(en.stdout.splitlines()[0])["summary"]
    bad = run_cli(db_url, "export", "alerts", "--lang", "fr")
    assert bad.returncode != 0 and "--lang" in bad.stderr
