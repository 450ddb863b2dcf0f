"""One message about two devices is two reports."""

from __future__ import annotations

import pytest

from bot.catalogue import current_catalogue
from bot.device_reports import another_device, serials_by_device, split_by_device


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


def test_models_of_known_series_with_their_serials_and_nothing_else_in_the_fault() -> None:
    said = (
        "有两部机坏咗 一部系尿机UA-720 序列号UA24091635 试纸条送唔入去 成日卡住 "
        "另一部系电解质EL-500 序列号EL25042218 钾嘅结果跳来跳去 地址佛山市南海区桂城南海大道北63号"
    )
    first, second = split_by_device(said, current_catalogue())
    assert (first.device, first.serial) == ("尿液分析仪 UA-720", "UA24091635")
    assert (second.device, second.serial) == ("电解质分析仪 EL-500", "EL25042218")
    assert "另一部" not in first.fault and "序列号" not in first.fault and "地址" not in second.fault


@pytest.mark.parametrize(
    "text",
    ["生化仪开不了机", "生化分析仪的生化仪报警", "KR-2000生化仪温度异常", "检验科那台生化仪坏了，急诊在等"],
)
def test_one_device_is_an_ordinary_report(text: str) -> None:
    assert split_by_device(text, current_catalogue()) == []


@pytest.mark.parametrize(
    ("serials", "devices", "wanted"),
    [
        # by the model's letters, whatever the order said
        (
            ["EL25010502", "UA24103311"],
            ["尿液分析仪 UA-720", "电解质分析仪 EL-500"],
            ["UA24103311", "EL25010502"],
        ),
        # no model to go by: in the order said
        (["XX25010502", "UA24103311"], ["尿液分析仪", "电解质分析仪 EL-500"], ["XX25010502", "UA24103311"]),
        (["UA24103311"], ["全自动生化分析仪", "尿液分析仪 UA-720"], [None, "UA24103311"]),
    ],
)
def test_serials_said_together_go_to_their_devices(
    serials: list[str], devices: list[str], wanted: list[str | None]
) -> None:
    assert serials_by_device(serials, devices) == wanted


def test_each_device_keeps_its_fault_without_serials_asides_or_the_callers_details() -> None:
    said = (
        "早上跳闸以后 血球仪BC-5390机身号BC24110088开机报激光器异常 尿机UA-900编号UA25020316试纸条走不动 "
        "都不能用 远程就算了 派个人 联系人龙秀英 电话13907431256 地址吉首市人民北路41号检验楼三楼"
    )
    first, second = split_by_device(said, current_catalogue())
    assert (first.serial, second.serial) == ("BC24110088", "UA25020316")
    assert "激光器异常" in first.fault and "BC24110088" not in first.fault
    assert "试纸条走不动" in second.fault
    assert not any(word in second.fault for word in ("龙秀英", "13907431256", "人民北路", "派个人", "远程"))


@pytest.mark.parametrize(
    ("said", "device", "symptom"),
    [
        ("联系人龙秀英 13907431256 还有我们那台血球仪也老报堵孔", "全自动血细胞分析仪", "堵孔"),
        ("地址吉首市人民北路41号 对了 隔壁的尿机UA-900试纸条也走不动", "尿液分析仪 UA-900", "试纸条"),
    ],
)
def test_another_device_said_later_is_its_own_report(said: str, device: str, symptom: str) -> None:
    found = another_device(said, "全自动生化分析仪 KR-800", current_catalogue())
    assert found is not None
    report, words = found
    assert report.device == device and symptom in report.fault and symptom in words
    assert "龙秀英" not in report.fault and "人民北路" not in report.fault


def test_the_device_being_registered_is_no_other_device() -> None:
    assert (
        another_device("生化仪的序列号是KR24110527", "全自动生化分析仪 KR-800", current_catalogue()) is None
    )
