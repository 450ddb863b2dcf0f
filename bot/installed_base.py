"""The installed-base registry (一机一档): which device is where, and whether its free warranty still runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.catalogue import Catalogue
from bot.db.models import Device
from bot.policy import ServicePolicy


@dataclass(frozen=True)
class WarrantyStatus:
    in_warranty: bool
    warranty_end: date
    days_left: int


def find_device(session: Session, serial_number: str) -> Device | None:
    return session.execute(
        select(Device).where(Device.serial_number == serial_number.upper())
    ).scalar_one_or_none()


def warranty_status(device: Device, today: date) -> WarrantyStatus:
    return WarrantyStatus(
        in_warranty=today <= device.warranty_end,
        warranty_end=device.warranty_end,
        days_left=(device.warranty_end - today).days,
    )


def extended(device: Device, policy: ServicePolicy) -> bool:
    """Whether the device's warranty runs past the free years of the policy: an extended warranty was
    bought."""
    return device.warranty_end > default_warranty_end(device.accepted_on, policy)


def default_warranty_end(accepted_on: date, policy: ServicePolicy) -> date:
    years = int(policy.value("warranty.free_years"))
    try:
        end = accepted_on.replace(year=accepted_on.year + years)
    except ValueError:  # accepted on 29 February
        end = accepted_on.replace(year=accepted_on.year + years, day=28)
    return date.fromordinal(end.toordinal() - 1)


def seed_devices(session: Session, path: Path, catalogue: Catalogue, policy: ServicePolicy) -> int:
    """Insert or update the devices listed in a registry YAML file; returns how many it wrote."""
    with path.open(encoding="utf-8") as handle:
        rows = yaml.safe_load(handle)["devices"]
    for row in rows:
        model = catalogue.model(row["model"])
        if model is None:
            raise ValueError(f"{path}: model {row['model']} is not in the device catalogue")
        device = find_device(session, row["serial_number"]) or Device(
            serial_number=row["serial_number"].upper()
        )
        device.model = model.model
        device.brand = model.brand
        device.device_type = model.type_name
        device.hospital = row["hospital"]
        device.department = row["department"]
        device.city = row["city"]
        device.address = row["address"]
        device.accepted_on = row["accepted_on"]
        device.warranty_end = row.get("warranty_end") or default_warranty_end(row["accepted_on"], policy)
        session.add(device)
    session.flush()
    return len(rows)
