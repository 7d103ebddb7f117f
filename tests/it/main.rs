mod canonical;
