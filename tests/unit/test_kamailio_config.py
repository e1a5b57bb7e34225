"""The Kamailio configuration generated from the settings: what goes in, what is refused, that it loads."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from callcenter.domain.sip_accounts import digests
from callcenter.settings import Settings, SettingsError
from callcenter.sip.credentials import announcer_password
from callcenter.sip.kamailio_config import (
    cti_url,
    kamailio_database,
    parse_trusted_sources,
    render,
    service_number_forms,
    sip_domain,
)


@pytest.fixture
def sip_settings(make_settings: Any) -> Settings:
    return make_settings(sip_port=5391, sip_domain="pbx.mi-is.be", service_numbers="+3225088586=fr",
                         sip_trusted_sources="192.0.2.10, 198.51.100.0/24, 203.0.113.7:5070",
                         cti_secret="a-secret_of.the~cti", sip_probe_number="probe", web_port=8123)


def test_the_configuration_carries_the_settings(sip_settings: Settings, tmp_path: Path) -> None:
    text = render(sip_settings, tmp_path)
    assert text.startswith("#!KAMAILIO\n")
    for line in ('#!define CC_DOMAIN "pbx.mi-is.be"', '#!define CC_CTI_URL "http://127.0.0.1:8123"',
                 '#!define CC_CTI_SECRET "a-secret_of.the~cti"', "listen=udp:127.0.0.1:5391",
                 "listen=tcp:127.0.0.1:5391", 'alias="pbx.mi-is.be:5391"', 'loadmodule "db_sqlite.so"',
                 f'#!define CC_CTL_SOCKET "unix:{tmp_path.resolve()}/kamailio_ctl"',
                 "#!define CC_MAX_ASKING 64", "async_workers=16"):
        assert line in text
    assert 'is_in_subnet("$si", "192.0.2.10/32")' in text
    assert 'is_in_subnet("$si", "198.51.100.0/24")' in text
    assert 'is_in_subnet("$si", "203.0.113.7/32") && $sp == 5070' in text
    ha1 = digests("announcer", "pbx.mi-is.be", announcer_password(sip_settings)).ha1
    assert f'$sht(cc_accounts=>announcer) = "{ha1}";' in text
    assert "$sht(cc_numbers=>probe) = 1;" in text


def test_busy_announcements_carry_the_callback_promise_that_callers_cannot_forge(sip_settings: Settings,
                                                                                 tmp_path: Path) -> None:
    text = render(sip_settings, tmp_path)
    service = text.split("route[SERVICE] {", 1)[1].split("\n}\n", 1)[0]
    assert 'remove_hf_re("^X-(Announcement|Language|Callback|Callcenter-)");' in service
    announce = text.split("route[ANNOUNCE] {", 1)[1].split("\n}\n", 1)[0]
    assert 'jansson_get("callback", "$var(answer)", "$avp(cc_callback)");' in announce
    branch = text.split("branch_route[BRANCH] {", 1)[1].split("\n}\n", 1)[0]
    promise = branch.split('if ($avp(cc_announcement) == "busy" && $avp(cc_callback) != $null', 1)[1]
    assert promise.split("}", 1)[0].strip().endswith('append_hf("X-Callback: yes\\r\\n");')


def test_a_service_number_is_recognised_however_the_trunk_writes_it(sip_settings: Settings) -> None:
    assert service_number_forms(sip_settings) == ["+3225088586", "003225088586", "3225088586", "025088586",
                                                  "probe"]


def test_defaults_follow_the_other_settings(make_settings: Any) -> None:
    settings = make_settings(web_host="0.0.0.0", web_port=9000, sip_host="10.1.2.3")
    assert cti_url(settings) == "http://127.0.0.1:9000"
    assert sip_domain(settings) == "10.1.2.3"
    assert cti_url(settings.replace(sip_cti_url="https://cti.internal/")) == "https://cti.internal"


def test_kamailio_reads_our_database_whatever_its_flavour(tmp_path: Path) -> None:
    sqlite = kamailio_database(f"sqlite:///{tmp_path}/callcenter.db")
    assert (sqlite.module, sqlite.url) == ("db_sqlite", f"sqlite://{tmp_path.resolve()}/callcenter.db")
    postgres = kamailio_database("postgresql+psycopg://cc:pw@db.internal:5433/cc?options=-csearch_path%3Dcc")
    assert (postgres.module, postgres.url) == ("db_postgres", "postgres://cc:pw@db.internal:5433/cc")
    assert postgres.environment == {"PGOPTIONS": "-csearch_path=cc"}
    with pytest.raises(SettingsError):
        kamailio_database("mysql://cc@db/cc")


@pytest.mark.parametrize("changes", [
    {"sip_trusted_sources": "192.0.2.300"},
    {"sip_trusted_sources": "192.0.2.1:99999"},
    {"cti_secret": 'with"quote'},
    {"cti_secret": "dollar$var"},
    {"sip_host": "0.0.0.0"},
    {"service_numbers": "not-a-number=fr"},
])
def test_settings_that_cannot_make_a_safe_configuration_are_refused(sip_settings: Settings, tmp_path: Path,
                                                                    changes: dict[str, Any]) -> None:
    if "sip_host" in changes:
        changes = {**changes, "sip_domain": ""}
    with pytest.raises(SettingsError):
        render(sip_settings.replace(**changes), tmp_path)


def test_trusted_sources_accept_ipv6_with_a_port() -> None:
    (source,) = parse_trusted_sources("[2001:db8::5]:5070")
    assert (str(source.network), source.port) == ("2001:db8::5/128", 5070)


@pytest.mark.skipif(shutil.which("kamailio") is None, reason="Kamailio is not installed")
def test_kamailio_accepts_the_generated_configuration(sip_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "kamailio.cfg"
    path.write_text(render(sip_settings.replace(sip_port=5392), tmp_path))
    checked = subprocess.run(["kamailio", "-c", "-f", str(path)], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr[-2000:]
