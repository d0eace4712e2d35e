"""The core's writes that carry a rule of their own (HackSoft's services): views and commands call these."""
