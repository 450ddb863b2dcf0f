"""One message about two devices is two reports."""

from __future__ import annotations

import pytest

from bot.catalogue import current_catalogue
from bot.device_reports import split_by_device


def test_two_devices_with_their_own_faults() -> None:
    reports = split_by_device("生化仪报温度异常 血球仪开不了机 要报修", current_catalogue())
    assert [r.device for r in reports] == ["全自动生化分析仪", "全自动血细胞分析仪"]
    assert "温度异常" in reports[0].fault and "开不了机" in reports[1].fault
    assert "开不了机" not in reports[0].fault


def test_two_devices_sharing_one_fault() -> None:
    reports = split_by_device("我们检验科的生化仪和血球仪都开不了机了", current_catalogue())
    assert len(reports) == 2 and all("开不了机" in r.fault for r in reports)


def test_models_name_devices_too() -> None:
    reports = split_by_device("HX-680和BC-5390今天都报错了", current_catalogue())
    assert [r.device.split()[-1] for r in reports] == ["HX-680", "BC-5390"]


@pytest.mark.parametrize(
    "text",
    ["生化仪开不了机", "生化分析仪的生化仪报警", "KR-2000生化仪温度异常", "检验科那台生化仪坏了，急诊在等"],
)
def test_one_device_is_an_ordinary_report(text: str) -> None:
    assert split_by_device(text, current_catalogue()) == []
