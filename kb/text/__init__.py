"""Rules of Chinese official text shared by every stage: numerals, tokens, …"""
