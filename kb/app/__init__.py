"""The Streamlit app: its pages, feedback and the chat export."""
