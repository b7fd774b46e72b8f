package tcp

const emfileChildEnv = "MUDUO_TCP_EMFILE_CHILD"

func emfileChild() int { return 0 }
