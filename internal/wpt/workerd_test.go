package wpt

import "errors"

type workerdRunner struct{}

func newWorkerdRunner(bin string) (*workerdRunner, error) { return nil, errors.New("todo") }
func (w *workerdRunner) Run(f *File) (*Results, error)   { return nil, errors.New("todo") }
func (w *workerdRunner) Close()                           {}
