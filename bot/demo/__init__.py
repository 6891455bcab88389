"""`ringround demo`: a complete simulated week on a throwaway database (fictional people)."""

from bot.demo.run import DEMO_START, DemoResult, run_demo

__all__ = ["DEMO_START", "DemoResult", "run_demo"]
