package main

import (
	"fmt"
	"go/types"
	"slices"
	"strings"
)

// apiLines returns the sorted API lines of p, whose module-relative path
// is rel.
func apiLines(p *types.Package, rel string) []string {
	w := &apiWriter{pkg: p, prefix: "pkg " + rel + ", "}
	scope := p.Scope()
	for _, name := range scope.Names() {
		obj := scope.Lookup(name)
		if !obj.Exported() {
			continue
		}
		switch obj := obj.(type) {
		case *types.Const:
			w.emit("const %s %s = %s", name, w.typ(obj.Type()), obj.Val().ExactString())
		case *types.Var:
			w.emit("var %s %s", name, w.typ(obj.Type()))
		case *types.Func:
			sig := obj.Type().(*types.Signature)
			w.emit("func %s%s%s", name, w.typeParams(sig.TypeParams()), w.signature(sig))
		case *types.TypeName:
			w.typeName(obj)
		}
	}
	slices.Sort(w.lines)
	return slices.Compact(w.lines)
}

type apiWriter struct {
	pkg    *types.Package
	prefix string
	lines  []string
}

func (w *apiWriter) emit(format string, a ...any) {
	w.lines = append(w.lines, w.prefix+fmt.Sprintf(format, a...))
}

// typeName writes a type's declaration line, its exported fields or
// interface methods, and its exported methods (promoted ones included).
func (w *apiWriter) typeName(obj *types.TypeName) {
	name := obj.Name()
	if obj.IsAlias() {
		w.emit("type %s = %s", name, w.typ(types.Unalias(obj.Type())))
		return
	}
	named := obj.Type().(*types.Named)
	decl := name + w.typeParams(named.TypeParams())
	switch u := named.Underlying().(type) {
	case *types.Struct:
		w.emit("type %s struct", decl)
		for f := range u.Fields() {
			switch {
			case !f.Exported():
			case f.Embedded():
				w.emit("type %s struct, embedded %s", decl, w.typ(f.Type()))
			default:
				w.emit("type %s struct, %s %s", decl, f.Name(), w.typ(f.Type()))
			}
		}
	case *types.Interface:
		var names []string
		for m := range u.Methods() { // the complete method set, embedded included
			if m.Exported() {
				names = append(names, m.Name())
				w.emit("type %s interface, %s%s", decl, m.Name(), w.signature(m.Type().(*types.Signature)))
			} else {
				names = append(names, "unexported methods")
			}
		}
		slices.Sort(names)
		names = slices.Compact(names)
		w.emit("type %s interface { %s }", decl, strings.Join(names, ", "))
		return
	default:
		w.emit("type %s %s", decl, w.typ(u))
	}
	recv := name + w.typeArgsOfParams(named.TypeParams())
	valueSet := types.NewMethodSet(named)
	ptrSet := types.NewMethodSet(types.NewPointer(named))
	for sel := range ptrSet.Methods() {
		m := sel.Obj().(*types.Func)
		if !m.Exported() {
			continue
		}
		r := "*" + recv
		if valueSet.Lookup(m.Pkg(), m.Name()) != nil {
			r = recv
		}
		w.emit("method (%s) %s%s", r, m.Name(), w.signature(m.Type().(*types.Signature)))
	}
}

// typeParams writes [K comparable, V any].
func (w *apiWriter) typeParams(tps *types.TypeParamList) string {
	if tps.Len() == 0 {
		return ""
	}
	var parts []string
	for tp := range tps.TypeParams() {
		parts = append(parts, tp.Obj().Name()+" "+w.typ(tp.Constraint()))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// typeArgsOfParams writes a generic receiver's [K, V].
func (w *apiWriter) typeArgsOfParams(tps *types.TypeParamList) string {
	if tps.Len() == 0 {
		return ""
	}
	var parts []string
	for tp := range tps.TypeParams() {
		parts = append(parts, tp.Obj().Name())
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// signature writes (T1, T2) (R1, R2) without parameter names, which are
// not part of the API.
func (w *apiWriter) signature(sig *types.Signature) string {
	var b strings.Builder
	b.WriteByte('(')
	for i := range sig.Params().Len() {
		if i > 0 {
			b.WriteString(", ")
		}
		t := sig.Params().At(i).Type()
		if sig.Variadic() && i == sig.Params().Len()-1 {
			b.WriteString("..." + w.typ(t.(*types.Slice).Elem()))
		} else {
			b.WriteString(w.typ(t))
		}
	}
	b.WriteByte(')')
	switch res := sig.Results(); res.Len() {
	case 0:
	case 1:
		b.WriteString(" " + w.typ(res.At(0).Type()))
	default:
		b.WriteString(" (")
		for i := range res.Len() {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(w.typ(res.At(i).Type()))
		}
		b.WriteByte(')')
	}
	return b.String()
}

// typ writes t with names of this package unqualified and those of any
// other by their full import path, and with no parameter names in
// function types.
func (w *apiWriter) typ(t types.Type) string {
	switch t := t.(type) {
	case *types.Signature:
		return "func" + w.signature(t)
	case *types.Pointer:
		return "*" + w.typ(t.Elem())
	case *types.Slice:
		return "[]" + w.typ(t.Elem())
	case *types.Array:
		return fmt.Sprintf("[%d]%s", t.Len(), w.typ(t.Elem()))
	case *types.Map:
		return "map[" + w.typ(t.Key()) + "]" + w.typ(t.Elem())
	case *types.Chan:
		switch t.Dir() {
		case types.SendOnly:
			return "chan<- " + w.typ(t.Elem())
		case types.RecvOnly:
			return "<-chan " + w.typ(t.Elem())
		}
		return "chan " + w.typ(t.Elem())
	case *types.Named:
		s := t.Obj().Name()
		if p := t.Obj().Pkg(); p != nil && p != w.pkg {
			s = p.Path() + "." + s
		}
		if args := t.TypeArgs(); args.Len() > 0 {
			var parts []string
			for a := range args.Types() {
				parts = append(parts, w.typ(a))
			}
			s += "[" + strings.Join(parts, ", ") + "]"
		}
		return s
	case *types.Alias:
		s := t.Obj().Name()
		if p := t.Obj().Pkg(); p != nil && p != w.pkg {
			s = p.Path() + "." + s
		}
		return s
	case *types.Struct:
		var parts []string
		for f := range t.Fields() {
			if f.Embedded() {
				parts = append(parts, w.typ(f.Type()))
			} else {
				parts = append(parts, f.Name()+" "+w.typ(f.Type()))
			}
		}
		return "struct{" + strings.Join(parts, "; ") + "}"
	}
	// Basic types, type parameters and interfaces literals.
	return types.TypeString(t, func(p *types.Package) string {
		if p == w.pkg {
			return ""
		}
		return p.Path()
	})
}
