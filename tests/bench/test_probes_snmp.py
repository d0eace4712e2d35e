"""The SNMP benchmark (bench/probes_snmp.py) runs every scenario against a real snmpd, on a small scale."""

import pytest

from bench.probes_snmp import SCENARIOS, measure_snmp
from tests.probes.snmpd import snmpd_path


def test_the_snmp_benchmark_measures_every_scenario():
    if snmpd_path() is None:
        pytest.skip("snmpd is not installed (Debian package snmpd; `make system-deps` installs it)")
    summary = measure_snmp(targets=30, ports=3, runs=1)
    assert list(summary["scenarios"]) == [label for label, _, _ in SCENARIOS]
    for label, figures in summary["scenarios"].items():
        assert figures["gets_per_s"] > 0, label
        assert figures["objects_per_s"] >= 2.99 * figures["gets_per_s"], label  # 3 or more objects per GET
        assert figures["messages_per_s"] >= figures["gets_per_s"], label
    v3 = summary["scenarios"]["v3 authPriv, system objects"]
    assert v3["messages_per_s"] > v3["gets_per_s"]  # SNMPv3 discovery costs a message per address
    assert isinstance(summary["targets_met"]["snmp GETs per second per consumer"], bool)
