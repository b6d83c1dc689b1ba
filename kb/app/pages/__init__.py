"""The pages of the Streamlit app (app.py): chat, documents, evaluation, and the clause-context view they share."""
