"""Gongzhi (共治): grassroots social governance platform."""
